//! Whatever a runbook file holds, checking it ends in a runbook or in problems that each name
//! the file, a line inside it and a column, with a message; it never panics. Each property
//! runs in the normal suite; the cargo-fuzz target `runbook` (fuzz/) runs the same check
//! longer, on inputs a fuzzer finds.

use super::*;
use crate::runbook::lang::library::SHIPPED;
use proptest::prelude::*;

fn check(text: &str) {
    let file = "hostile.md";
    let Err(problems) = load("hostile", file, text) else {
        return;
    };
    assert!(!problems.is_empty());
    // The last line may be one past the text: "the runbook has no steps" is placed after
    // the front matter's closing line.
    let lines = text.split('\n').count() + 1;
    for p in &problems {
        assert_eq!(p.file, file, "{p}");
        assert!(
            p.pos.line >= 1 && p.pos.line <= lines,
            "line of {lines}: {p}"
        );
        assert!(p.pos.column >= 1, "{p}");
        assert!(!p.message.trim().is_empty(), "{p}");
    }
}

/// Pieces a runbook is made of, and the ones that break parsers: fences opened and never
/// closed, indented fences, unquoted templates, tabs, CRLF, a BOM, NUL, right-to-left text.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---\n".to_string()),
        Just("title: T\nrto: 15m\nrpo: 1m\n".to_string()),
        Just("parameters:\n  replica:\n    type: rds-instance-id\n    default: db-1\n".to_string()),
        Just("  region:\n    type: region\n    secret: true\n    required: true\n".to_string()),
        Just("## Step\n".to_string()),
        Just("# Title\n".to_string()),
        Just("```ripcord\n".to_string()),
        Just("   ```sh destructive=replica timeout=1s\n".to_string()),
        Just("```\n".to_string()),
        Just("action: promote-read-replica\nreplica: \"{{replica}}\"\n".to_string()),
        Just("gate: replica-lag-below\nmax: rpo\notherwise: end\nnext: step\n".to_string()),
        Just("wait: health-check-healthy\ncheck: {{replica}}\ntimeout: 1x\n".to_string()),
        Just("echo \"$RIPCORD_PARAM_REPLICA\" {{ replica }} ${RIPCORD_PARAM_\n".to_string()),
        Just("- [ ] tick\n  - [x] nested\n1. one\n".to_string()),
        Just("| a | b |\n|---|---|\n| c | d |\n".to_string()),
        Just("\t\r\n\u{feff}\0\u{202e}é🦀\n".to_string()),
        Just("{{".to_string()),
        Just("}}".to_string()),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_text(text in "\\PC{0,400}") {
        check(&text);
    }

    #[test]
    fn any_bytes_read_as_a_file_is(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn runbook_pieces_in_any_order(pieces in proptest::collection::vec(piece(), 0..40)) {
        check(&pieces.concat());
    }

    #[test]
    fn a_shipped_runbook_cut_anywhere(which in 0usize..SHIPPED.len(), at in 0usize..20_000) {
        let text = SHIPPED[which].1;
        let at = at % text.len().max(1);
        let cut = text.char_indices().map(|(i, _)| i).take_while(|i| *i <= at).last();
        check(&text[..cut.unwrap_or(0)]);
    }

    #[test]
    fn a_shipped_runbook_with_lines_dropped_doubled_or_replaced(
        which in 0usize..SHIPPED.len(),
        edits in proptest::collection::vec((0usize..400, 0u8..3, piece()), 1..8),
    ) {
        let mut lines: Vec<String> = SHIPPED[which].1.lines().map(str::to_string).collect();
        for (at, edit, piece) in edits {
            if lines.is_empty() {
                break;
            }
            let at = at % lines.len();
            match edit {
                0 => { lines.remove(at); }
                1 => lines.insert(at, lines[at].clone()),
                _ => lines[at] = piece,
            }
        }
        check(&lines.join("\n"));
    }
}
