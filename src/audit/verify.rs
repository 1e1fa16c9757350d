//! Checks a file's hash chain and names the first line that is wrong, and how: a record
//! changed (`modified`), one missing (`deleted`), two out of order (`reordered`), one that
//! does not belong (`inserted`), a last line cut short by a crash (`torn`), or, against a head
//! hash kept elsewhere, records missing from the end (`truncated`).

use super::model::{GENESIS, Link, check_line};
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Modified,
    Deleted,
    Reordered,
    Inserted,
    Torn,
    Truncated,
    /// Another chain than the one the index recorded for the run.
    Replaced,
    /// A run file the index should record and does not (or no index where one should be).
    Unindexed,
}

impl ProblemKind {
    pub fn word(self) -> &'static str {
        match self {
            ProblemKind::Modified => "modified",
            ProblemKind::Deleted => "deleted",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Inserted => "inserted",
            ProblemKind::Torn => "torn",
            ProblemKind::Truncated => "truncated",
            ProblemKind::Replaced => "replaced",
            ProblemKind::Unindexed => "unindexed",
        }
    }
}

/// The first thing wrong with a file: the line (1-based) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub kind: ProblemKind,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {}: {}",
            self.line,
            self.kind.word(),
            self.detail
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub records: usize,
    /// The last record's hash (`GENESIS` for an empty file): keep it elsewhere to catch a
    /// truncation later (`--expect-head`).
    pub head: String,
}

/// A file split into its complete lines and, when the last one has no newline, its torn tail.
pub struct Lines<'a> {
    pub complete: Vec<&'a [u8]>,
    pub torn: Option<&'a [u8]>,
}

/// Every record is written with its newline in one write, so a last line without one is a
/// write that a crash cut short.
pub fn split_lines(bytes: &[u8]) -> Lines<'_> {
    let mut complete: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last = complete.pop().unwrap_or_default();
    Lines {
        complete,
        torn: (!last.is_empty()).then_some(last),
    }
}

/// Verifies the whole file. With `expect_head`, the file must end exactly at that record.
pub fn verify(bytes: &[u8], expect_head: Option<&str>) -> Result<Verified, Problem> {
    let lines = split_lines(bytes);
    let verified = verify_complete(&lines.complete)?;
    if let Some(torn) = lines.torn {
        return Err(Problem {
            line: lines.complete.len() + 1,
            kind: ProblemKind::Torn,
            detail: format!(
                "the last line is cut short ({} bytes, no newline): a write interrupted by a crash; ripcord discards it when the run is resumed",
                torn.len()
            ),
        });
    }
    if let Some(expected) = expect_head
        && expected != verified.head
    {
        return Err(match position_of(&lines.complete, expected) {
            Some(line) => Problem {
                line: line + 1,
                kind: ProblemKind::Inserted,
                detail: format!(
                    "the expected head is line {line}: {} record(s) were added after it",
                    lines.complete.len() - line
                ),
            },
            None => Problem {
                line: lines.complete.len(),
                kind: ProblemKind::Truncated,
                detail: format!(
                    "the expected head {expected} is not in the file, which ends at line {} (head {}): records after it were removed",
                    lines.complete.len(),
                    verified.head
                ),
            },
        });
    }
    Ok(verified)
}

fn position_of(lines: &[&[u8]], hash: &str) -> Option<usize> {
    lines
        .iter()
        .position(|l| check_line(l).map(|link| link.hash == hash).unwrap_or(false))
        .map(|i| i + 1)
}

/// Walks the chain of complete lines; the first break is reported at the line that caused it.
pub fn verify_complete(lines: &[&[u8]]) -> Result<Verified, Problem> {
    let links: Vec<Result<Link, String>> = lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                Err("an empty line".to_string())
            } else {
                check_line(l).map_err(|u| u.describe())
            }
        })
        .collect();
    // Where each hash first and last appears (1-based), for telling a reorder from a
    // deletion, and a copy placed before its original.
    let mut first_line_of: HashMap<&str, usize> = HashMap::new();
    let mut last_line_of: HashMap<&str, usize> = HashMap::new();
    for (i, link) in links.iter().enumerate() {
        if let Ok(link) = link {
            first_line_of.entry(link.hash.as_str()).or_insert(i + 1);
            last_line_of.insert(link.hash.as_str(), i + 1);
        }
    }
    // Hashes of the lines accepted so far, with their line; line 0 is the genesis.
    let mut accepted: HashMap<String, usize> = HashMap::from([(GENESIS.to_string(), 0)]);
    let mut head = GENESIS.to_string();
    let mut last_seq = 0;
    let problem = |line: usize, kind: ProblemKind, detail: String| Problem { line, kind, detail };
    for (i, link) in links.iter().enumerate() {
        let line = i + 1;
        let link = match link {
            Ok(link) => link,
            Err(why) => return Err(problem(line, ProblemKind::Modified, why.clone())),
        };
        let expected_seq = last_seq + 1;
        if let Some(earlier) = accepted.get(&link.hash) {
            return Err(problem(
                line,
                ProblemKind::Inserted,
                format!("it repeats line {earlier}: a record was copied"),
            ));
        }
        let next_follows_previous = links
            .get(i + 1)
            .and_then(|n| n.as_ref().ok())
            .is_some_and(|n| n.prev == head);
        if link.prev == head {
            if link.seq == expected_seq {
                accepted.insert(link.hash.clone(), line);
                head = link.hash.clone();
                last_seq = link.seq;
                continue;
            }
            if next_follows_previous {
                return Err(problem(
                    line,
                    ProblemKind::Inserted,
                    format!("line {} follows line {} directly", line + 1, line - 1),
                ));
            }
            return Err(problem(
                line,
                ProblemKind::Modified,
                format!(
                    "its sequence number is {} where {expected_seq} was expected (its hash was recomputed)",
                    link.seq
                ),
            ));
        }
        if let Some(&later) = last_line_of.get(link.hash.as_str())
            && later > line
        {
            return Err(problem(
                line,
                ProblemKind::Inserted,
                format!("line {later} is the same record: a record was copied"),
            ));
        }
        if let Some(&before) = accepted.get(&link.prev) {
            return Err(problem(
                before + 1,
                ProblemKind::Inserted,
                format!(
                    "line {line} follows line {before} directly, so line{} {} {} not part of the chain",
                    if line - before > 2 { "s" } else { "" },
                    if line - before > 2 {
                        format!("{} to {}", before + 1, line - 1)
                    } else {
                        (before + 1).to_string()
                    },
                    if line - before > 2 { "are" } else { "is" }
                ),
            ));
        }
        if let Some(&later) = first_line_of.get(link.prev.as_str())
            && later > line
        {
            return Err(problem(
                line,
                ProblemKind::Reordered,
                format!(
                    "it (seq {}) follows line {later}, which comes after it",
                    link.seq
                ),
            ));
        }
        if next_follows_previous {
            return Err(problem(
                line,
                ProblemKind::Inserted,
                format!(
                    "line {} follows line {} directly; this one names no record before it",
                    line + 1,
                    line - 1
                ),
            ));
        }
        if link.seq > expected_seq {
            let missing = link.seq - expected_seq;
            return Err(problem(
                line,
                ProblemKind::Deleted,
                if missing == 1 {
                    format!("record {expected_seq} is missing before it")
                } else {
                    format!(
                        "records {expected_seq} to {} are missing before it",
                        link.seq - 1
                    )
                },
            ));
        }
        // It follows a record that is no longer in the file, yet nothing is missing: the line
        // before was changed and its hash recomputed.
        return Err(if line == 1 {
            problem(
                1,
                ProblemKind::Modified,
                "the first record does not start the chain (its `prev` is not the genesis)"
                    .to_string(),
            )
        } else {
            problem(
                line - 1,
                ProblemKind::Modified,
                format!(
                    "line {line} names a different record before it: line {} was changed and its hash recomputed",
                    line - 1
                ),
            )
        });
    }
    Ok(Verified {
        records: lines.len(),
        head,
    })
}

pub mod against_index;
#[cfg(test)]
mod tests;
