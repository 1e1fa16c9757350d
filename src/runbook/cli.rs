//! `ripcord runbook list | check | run`: what they print and how they decide, kept out of
//! `main.rs` so tests can call them. `run` only prepares here; main starts the cockpit.

use crate::fleet::format_duration;
use crate::runbook::exec::resolve_steps;
use crate::runbook::lang::library::{self, Entry, Library, Origin};
use crate::runbook::lang::model::{Diagnostic, Runbook};
use crate::runbook::lang::params::{self, ParamValues, split_assignment};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Prints the runbooks ripcord knows. Broken ones are listed too, with how to see why.
pub fn list(library: &Library, out: &mut dyn Write, err: &mut dyn Write) -> std::io::Result<()> {
    let width = library
        .entries
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:<width$}  {:>5}  {:>5}  TITLE / SOURCE",
        "NAME", "STEPS", "RTO"
    )?;
    for e in &library.entries {
        let origin = match &e.origin {
            Origin::BuiltIn => "built in".to_string(),
            Origin::File(p) => p.display().to_string(),
        };
        match &e.loaded {
            Ok(book) => writeln!(
                out,
                "{:<width$}  {:>5}  {:>5}  {} ({origin})",
                e.name,
                book.steps.len(),
                format_duration(book.rto),
                book.title
            )?,
            Err(problems) => writeln!(
                out,
                "{:<width$}  {:>5}  {:>5}  BROKEN: {} problem{}: ripcord runbook check {}",
                e.name,
                "-",
                "-",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                e.file
            )?,
        }
    }
    for problem in &library.unreadable {
        writeln!(err, "ripcord: {problem}")?;
    }
    Ok(())
}

/// A runbook named on the command line: a file if one exists at that path, else a name
/// from the library.
pub fn find(arg: &str, library: &Library) -> Option<Entry> {
    let path = Path::new(arg);
    if path.exists() {
        return Some(library::read_file(path));
    }
    library.find(arg).cloned()
}

/// Checks each runbook; prints every problem as `file:line:column: message`, or `OK`.
/// Returns whether all passed.
pub fn check(args: &[PathBuf], library: &Library, out: &mut dyn Write) -> std::io::Result<bool> {
    let mut all_ok = true;
    for arg in args {
        let text = arg.display().to_string();
        // A file is read by its own name: `text` has any bytes that are not UTF-8 replaced,
        // and names no file.
        let found = if arg.exists() {
            Some(library::read_file(arg))
        } else {
            find(&text, library)
        };
        let Some(entry) = found else {
            writeln!(
                out,
                "{text}:1:1: no such file, and no runbook of that name (ripcord runbook list shows them)"
            )?;
            all_ok = false;
            continue;
        };
        if arg.exists() && arg.to_str().is_none() {
            all_ok = false;
            writeln!(
                out,
                "{text}:1:1: the file name is not valid UTF-8 (shown here with \u{fffd}): rename it, as ripcord names a runbook by its file name (`:run`, the audit log)"
            )?;
            if let Err(problems) = &entry.loaded {
                for p in problems {
                    writeln!(out, "{p}")?;
                }
            }
            continue;
        }
        match &entry.loaded {
            Ok(book) => writeln!(
                out,
                "{}: OK ({} steps, {} parameters)",
                entry.file,
                book.steps.len(),
                book.params.len()
            )?,
            Err(problems) => {
                all_ok = false;
                for p in problems {
                    writeln!(out, "{p}")?;
                }
            }
        }
    }
    Ok(all_ok)
}

/// Why a run cannot start, for the command line: the lines to print and the exit code.
#[derive(Debug)]
pub struct Refused {
    pub lines: Vec<String>,
    pub code: u8,
}

impl Refused {
    fn usage(line: String) -> Self {
        Refused {
            lines: vec![line],
            code: 2,
        }
    }

    fn problems(problems: Vec<Diagnostic>) -> Self {
        Refused {
            lines: problems.iter().map(ToString::to_string).collect(),
            code: 1,
        }
    }
}

/// Everything `ripcord runbook run` checks before any terminal is taken over: the runbook,
/// its parameters, and every step's arguments. A runbook that fails any of it never starts.
pub fn prepare_run(
    arg: &str,
    given: &[String],
    library: &Library,
) -> Result<(Arc<Runbook>, ParamValues), Refused> {
    let entry = find(arg, library).ok_or_else(|| {
        Refused::usage(format!(
            "ripcord: no runbook file or name `{arg}`: give a path to a .md file, or one of {}",
            library.names().join(", ")
        ))
    })?;
    let book = entry.loaded.clone().map_err(Refused::problems)?;
    let mut pairs = Vec::new();
    for g in given {
        let pair =
            split_assignment(g).map_err(|e| Refused::usage(format!("ripcord: --param {e}")))?;
        pairs.push(pair);
    }
    let values = params::resolve(&book, &pairs).map_err(Refused::problems)?;
    resolve_steps(&book, &values).map_err(Refused::problems)?;
    Ok((book, values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_reports_ok_and_problems_and_list_shows_every_runbook() {
        let library = Library::shipped();
        let mut out = Vec::new();
        let ok = check(
            &[
                PathBuf::from("rds-cross-region-failover"),
                PathBuf::from("nope"),
            ],
            &library,
            &mut out,
        )
        .expect("writes");
        let text = String::from_utf8(out).expect("utf8");
        assert!(!ok);
        assert!(
            text.contains("runbooks/rds-cross-region-failover.md: OK (8 steps, 9 parameters)"),
            "{text}"
        );
        assert!(text.contains("nope:1:1: no such file"), "{text}");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        list(&library, &mut out, &mut err).expect("writes");
        let text = String::from_utf8(out).expect("utf8");
        for (name, _) in library::SHIPPED {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn a_run_is_prepared_only_when_everything_fits() {
        let library = Library::shipped();
        let (book, values) = prepare_run(
            "rds-cross-region-failover",
            &["incident=INC-42".to_string()],
            &library,
        )
        .expect("fits");
        assert_eq!(book.name, "rds-cross-region-failover");
        assert_eq!(values.get("incident"), Some("INC-42"));
        let refused = prepare_run(
            "rds-cross-region-failover",
            &["incident=42".to_string()],
            &library,
        )
        .expect_err("pattern");
        assert_eq!(refused.code, 1);
        assert!(
            refused.lines[0].contains("`42` does not match the pattern `INC-[0-9]+`"),
            "{:?}",
            refused.lines
        );
        let refused = prepare_run("rds-cross-region-failover", &["x".into()], &library)
            .expect_err("not an assignment");
        assert_eq!(refused.code, 2);
    }
}
