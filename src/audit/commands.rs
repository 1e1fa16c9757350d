//! `ripcord audit verify | show | report`: what they print and their exit codes, kept out of
//! `main.rs` so tests can call them. 0: fine; 1: a chain is damaged; 2: bad input (no such
//! run, a bad flag).

use super::cli::{AuditCmd, ReportArgs, ShowArgs, VerifyArgs};
use super::read::{RunFile, parse, read_run};
use super::runs::{self, RunState};
use super::verify::against_index::{self, IndexLookup};
use super::verify::{Problem, ProblemKind, verify};
use super::{report, writer};
use crate::runbook::lang::library::Library;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Runs one audit command; returns the exit code.
pub fn run(
    cmd: &AuditCmd,
    dir: &Path,
    library: &Library,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    match cmd {
        AuditCmd::Verify(args) => verify_files(args, dir, out, err),
        AuditCmd::Show(args) => show(args, dir, out, err),
        AuditCmd::Report(args) => write_report(args, dir, library, out, err),
    }
}

fn verify_files(
    args: &VerifyArgs,
    dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    // Each file with whether it was named by its path (not a run id).
    let paths: Vec<(PathBuf, bool)> = if args.files.is_empty() {
        match runs::files(dir) {
            Ok(paths) => paths.into_iter().map(|p| (p, false)).collect(),
            Err(e) => {
                writeln!(err, "ripcord: {e}")?;
                return Ok(2);
            }
        }
    } else {
        let mut paths = Vec::new();
        for arg in &args.files {
            match runs::locate(dir, arg) {
                Ok(path) => paths.push((path, Path::new(arg).is_file())),
                Err(e) => {
                    // A run the index knows, whose file is gone, is damage, not bad input.
                    let known = match IndexLookup::of(dir) {
                        IndexLookup::Read(index) => against_index::deleted_runs(dir, &index)
                            .into_iter()
                            .find(|line| line.starts_with(&format!("run {arg}: "))),
                        _ => None,
                    };
                    if let Some(line) = known {
                        writeln!(out, "{line}")?;
                        return Ok(1);
                    }
                    writeln!(err, "ripcord: {e}")?;
                    return Ok(2);
                }
            }
        }
        paths
    };
    if args.expect_head.is_some() && paths.len() != 1 {
        writeln!(
            err,
            "ripcord: --expect-head checks one file, and {} were given: name the one file the head belongs to",
            paths.len()
        )?;
        return Ok(2);
    }
    if let Err(e) = writer::check_private(dir)
        && dir.is_dir()
    {
        writeln!(err, "ripcord: warning: {e}")?;
    }
    let index = args.files.is_empty().then(|| IndexLookup::of(dir));
    if paths.is_empty() && !matches!(index, Some(IndexLookup::Read(_) | IndexLookup::Damaged(_))) {
        writeln!(out, "{}: no runs to verify", dir.display())?;
        return Ok(0);
    }
    let mut indexes: BTreeMap<PathBuf, IndexLookup> = BTreeMap::new();
    if let Some(index) = &index {
        indexes.insert(dir.to_path_buf(), index.clone());
    }
    let mut code = 0;
    for (path, by_path) in paths {
        let bytes = match writer::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                writeln!(err, "ripcord: {e}")?;
                code = 2;
                continue;
            }
        };
        let parent = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let lookup = indexes
            .entry(parent.clone())
            .or_insert_with(|| IndexLookup::of(&parent));
        let judged = verify(&bytes, args.expect_head.as_deref()).and_then(|v| {
            let file = parse(&path, &bytes).map_err(|e| Problem {
                line: 0,
                kind: ProblemKind::Modified,
                detail: e,
            })?;
            against_index::judge(&path, &file, &v, lookup, by_path).map(|state| (state, v))
        });
        match judged {
            Ok((state, v)) => writeln!(
                out,
                "{}: OK, {state}, {} records, head {}",
                path.display(),
                v.records,
                v.head
            )?,
            // `parse` names the file and line itself.
            Err(p) if p.line == 0 => {
                writeln!(out, "{}", p.detail)?;
                code = code.max(1);
            }
            Err(p) => {
                writeln!(
                    out,
                    "{}:{}: {}: {}",
                    path.display(),
                    p.line,
                    p.kind.word(),
                    p.detail
                )?;
                code = code.max(1);
            }
        }
    }
    // The whole directory: the runs the index knows that are gone, and the index itself.
    match index {
        Some(IndexLookup::Read(index)) => {
            for line in against_index::deleted_runs(dir, &index) {
                writeln!(out, "{line}")?;
                code = code.max(1);
            }
            writeln!(
                out,
                "{}: OK, {} records, head {}",
                index.path.display(),
                index.records,
                index.head
            )?;
        }
        Some(IndexLookup::Damaged(e)) => {
            writeln!(out, "{e}")?;
            code = code.max(1);
        }
        Some(IndexLookup::Missing) | None => {}
    }
    Ok(code)
}

fn show(args: &ShowArgs, dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let Some(run) = &args.run else {
        return list(dir, out, err);
    };
    let path = match runs::locate(dir, run) {
        Ok(path) => path,
        Err(e) => {
            writeln!(err, "ripcord: {e}")?;
            return Ok(2);
        }
    };
    let file = match read_run(&path) {
        Ok(file) => file,
        Err(e) => {
            writeln!(err, "ripcord: {e}")?;
            return Ok(1);
        }
    };
    print_run(&file, out)?;
    if !args.follow {
        return Ok(0);
    }
    follow(&path, file, out, err)
}

fn list(dir: &Path, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<u8> {
    let (found, problems) = match runs::list(dir) {
        Ok(listed) => listed,
        Err(e) => {
            writeln!(err, "ripcord: {e}")?;
            return Ok(2);
        }
    };
    if found.is_empty() && problems.is_empty() {
        writeln!(out, "{}: no runs yet", dir.display())?;
        return Ok(0);
    }
    let width = found.iter().map(|r| r.id.len()).max().unwrap_or(3).max(3);
    writeln!(
        out,
        "{:<width$}  {:<20}  {:<20}  {:>7}  AT STEP",
        "RUN", "STARTED (UTC)", "STATE", "RECORDS"
    )?;
    for r in &found {
        let mut at = r.at_step.clone().unwrap_or_default();
        if let Some(step) = &r.in_doubt {
            at = format!("{at} (in doubt: {step})");
        }
        if let Some(holder) = &r.locked_by {
            at = format!("{at} [being carried out: {holder}]");
        }
        if r.torn {
            at = format!("{at} [torn last line]");
        }
        writeln!(
            out,
            "{:<width$}  {:<20}  {:<20}  {:>7}  {at}",
            r.id,
            r.started.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            r.state_word(),
            r.records
        )?;
    }
    for p in &problems {
        writeln!(err, "ripcord: {p}")?;
    }
    let unfinished = found
        .iter()
        .filter(|r| r.state == RunState::Unfinished && r.locked_by.is_none())
        .count();
    if unfinished > 0 {
        writeln!(
            out,
            "\n{unfinished} unfinished: `ripcord runbook resume RUN` goes on with one on AWS, `ripcord runbook resume RUN --sim` with a drill (or r in the cockpit: `ripcord` for AWS, `ripcord demo` for drills)"
        )?;
    }
    Ok(if problems.is_empty() { 0 } else { 1 })
}

fn print_run(file: &RunFile, out: &mut dyn Write) -> io::Result<()> {
    let Some(first) = file.first() else {
        return writeln!(out, "{}: no records", file.path.display());
    };
    writeln!(out, "run      {}", first.run)?;
    writeln!(
        out,
        "runbook  {} ({}, SHA-256 {})",
        first.runbook.name, first.runbook.file, first.runbook.sha256
    )?;
    writeln!(out, "file     {}", file.path.display())?;
    writeln!(out, "head     {}", file.head)?;
    match &file.seal {
        Some(seal) => writeln!(
            out,
            "sealed   {} at {}, {} records before the seal (the head above is final)",
            seal.seal.outcome,
            seal.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            seal.seal.records
        )?,
        None if file.nonce().is_some() && file.is_over() => writeln!(
            out,
            "sealed   NO: the run ended but has no seal (`ripcord audit verify` says more)"
        )?,
        None => {}
    }
    if let Some(torn) = &file.torn {
        writeln!(out, "torn     {}", torn.describe())?;
    }
    writeln!(out)?;
    for r in &file.records {
        print_record(r, out)?;
    }
    Ok(())
}

fn print_record(r: &super::model::Record, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{:>4}  {}  {:<28}  {}  [{}]",
        r.seq,
        r.at.strftime("%H:%M:%S"),
        r.step.as_deref().unwrap_or("-"),
        r.event.describe_with_requests(),
        r.operator.describe()
    )
}

/// Prints records as they are appended, until the run ends. Reads only: it never takes the
/// run's lock, so the ripcord carrying the run out goes on undisturbed.
fn follow(
    path: &Path,
    mut file: RunFile,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    loop {
        if file.is_over() {
            return Ok(0);
        }
        out.flush()?;
        std::thread::sleep(Duration::from_millis(500));
        match read_run(path) {
            Ok(next) => {
                for r in next.records.iter().skip(file.records.len()) {
                    print_record(r, out)?;
                }
                file = next;
            }
            Err(e) => {
                writeln!(err, "ripcord: {e}")?;
                return Ok(1);
            }
        }
    }
}

fn write_report(
    args: &ReportArgs,
    dir: &Path,
    library: &Library,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<u8> {
    let path = match runs::locate(dir, &args.run) {
        Ok(path) => path,
        Err(e) => {
            writeln!(err, "ripcord: {e}")?;
            return Ok(2);
        }
    };
    let file = match read_run(&path) {
        Ok(file) => file,
        Err(e) => {
            writeln!(err, "ripcord: {e}")?;
            return Ok(1);
        }
    };
    if let Some(torn) = &file.torn {
        writeln!(
            err,
            "ripcord: warning: {}: {}",
            path.display(),
            torn.describe()
        )?;
    }
    let rto = file
        .first()
        .and_then(|r| library.find(&r.runbook.name))
        .and_then(|e| e.loaded.as_ref().ok())
        .map(|b| b.rto);
    let text = report::markdown(&file, rto);
    match &args.output {
        None => out.write_all(text.as_bytes())?,
        Some(target) => {
            if let Err(e) = std::fs::write(target, text) {
                writeln!(
                    err,
                    "ripcord: {}: cannot write the report: {e}",
                    target.display()
                )?;
                return Ok(2);
            }
            writeln!(
                out,
                "report of {} written to {}",
                args.run,
                target.display()
            )?;
        }
    }
    Ok(0)
}
