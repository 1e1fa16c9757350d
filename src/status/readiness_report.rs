//! `ripcord report readiness`: DR readiness as Markdown, for the auditor and the quarterly
//! review. Each workload with its targets, every finding with its evidence and the time of
//! that evidence, the drills of the runbooks serving it (run ids, outcome, measured time,
//! chain heads, which `ripcord audit verify RUN --expect-head HEAD` checks), and what is
//! missing. Read off the same glance as `ripcord status`, so the two never disagree.

use super::report::Report;
use crate::app::readiness::ReadinessView;
use crate::fleet::format_duration;
use crate::fleet::readiness::{Drill, DrillOutcome, Drills, WorkloadReadiness};
use crate::fleet::{Verdict, age_between};
use std::fmt::Write as _;
use std::time::Duration;

/// A Markdown table cell: no line breaks, no stray column separators.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A time to the second: an auditor compares it with CloudTrail and the audit log.
fn ts(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn secs(s: u64) -> String {
    format_duration(Duration::from_secs(s))
}

/// The whole report.
pub fn markdown(report: &Report, view: &ReadinessView) -> String {
    let mut out = String::new();
    let now = report.generated_at;
    let _ = writeln!(out, "# DR readiness\n");
    let _ = writeln!(
        out,
        "Generated {} by `ripcord report readiness` from {} ({}){}.",
        ts(now),
        report.source,
        report.regions.join(", "),
        report
            .profile
            .as_deref()
            .map(|p| format!(", profile {p}"))
            .unwrap_or_default()
    );
    // With the demo's rehearsals when the fleet is the simulator's (`all_drills`).
    let (audit_dir, not_evidence) = match &view.all_drills() {
        Some(Drills::Found {
            dir, not_evidence, ..
        }) => (dir.clone(), not_evidence.clone()),
        Some(Drills::NoDirectory { dir }) => (format!("{dir} (does not exist)"), Vec::new()),
        Some(Drills::Unlisted { dir, why }) => (format!("{dir} ({why})"), Vec::new()),
        None => ("not read".to_string(), Vec::new()),
    };
    let _ = writeln!(out, "Drills from the audit log in {audit_dir}.\n");
    let _ = writeln!(
        out,
        "READY needs every finding OK; a finding that cannot be told (old or missing data, a \
         run file that fails `ripcord audit verify`) is never OK. Ages are at generation time.\n"
    );
    summary_table(&mut out, &report.readiness);
    for w in &report.readiness {
        workload(&mut out, w, view, now);
    }
    if !not_evidence.is_empty() {
        let _ = writeln!(out, "## Run files that are not evidence\n");
        let _ = writeln!(
            out,
            "These files in the audit directory fail `ripcord audit verify` or cannot be read; \
             no finding above rests on them.\n"
        );
        for n in &not_evidence {
            let _ = writeln!(out, "- `{}`: {}", n.file, n.why);
        }
        out.push('\n');
    }
    out
}

fn summary_table(out: &mut String, all: &[WorkloadReadiness]) {
    let _ = writeln!(
        out,
        "| workload | readiness | RPO | RTO | backup RPO | drill every | worst finding |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for w in all {
        let worst = w
            .headline()
            .map(|r| format!("{}: {}", r.subject, r.text))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&w.workload),
            w.verdict.label(),
            secs(w.rpo_seconds),
            secs(w.rto_seconds),
            secs(w.backup_rpo_seconds),
            w.drill_every_seconds.map_or("no policy".to_string(), secs),
            cell(&worst)
        );
    }
    out.push('\n');
}

fn workload(out: &mut String, w: &WorkloadReadiness, view: &ReadinessView, now: jiff::Timestamp) {
    let _ = writeln!(out, "## {} — {}\n", w.workload, w.verdict.label());
    let _ = writeln!(
        out,
        "Targets: RPO {}, RTO {}, backup RPO {}, drills {}.\n",
        secs(w.rpo_seconds),
        secs(w.rto_seconds),
        secs(w.backup_rpo_seconds),
        w.drill_every_seconds
            .map_or("without a policy".to_string(), |s| format!(
                "every {}",
                secs(s)
            ))
    );
    let _ = writeln!(out, "### Findings and evidence\n");
    let _ = writeln!(
        out,
        "| verdict | side | about | finding | evidence | as of (UTC) | age |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for r in &w.reasons {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            if r.verdict == Verdict::Unknown {
                "? cannot tell".to_string()
            } else {
                r.verdict.label().to_string()
            },
            r.side.word(),
            cell(&r.subject),
            cell(&r.text),
            cell(&r.evidence),
            r.evidence_at.map_or("—".to_string(), ts),
            r.age_seconds.map_or("—".to_string(), secs)
        );
    }
    out.push('\n');
    drills(out, w, view, now);
    let missing: Vec<_> = w
        .reasons
        .iter()
        .filter(|r| r.verdict != Verdict::Ok)
        .collect();
    let _ = writeln!(out, "### What is missing\n");
    if missing.is_empty() {
        let _ = writeln!(out, "Nothing: every finding is OK.\n");
    } else {
        for r in missing {
            let _ = writeln!(out, "- **{}** {}: {}", r.verdict_word(), r.subject, r.text);
        }
        out.push('\n');
    }
}

fn drills(out: &mut String, w: &WorkloadReadiness, view: &ReadinessView, now: jiff::Timestamp) {
    let runbooks: Vec<&str> = view
        .serving
        .iter()
        .filter(|s| s.workload == w.workload)
        .map(|s| s.runbook.as_str())
        .collect();
    let _ = writeln!(out, "### Drills\n");
    if runbooks.is_empty() {
        let _ = writeln!(
            out,
            "No runbook names `workload: {}` in its front matter.\n",
            w.workload
        );
        return;
    }
    let _ = writeln!(out, "Runbooks serving it: {}.\n", runbooks.join(", "));
    let drills = view.all_drills();
    let all: Vec<&Drill> = match &drills {
        Some(Drills::Found { runs, .. }) => runs
            .iter()
            .filter(|d| runbooks.contains(&d.runbook.as_str()))
            .collect(),
        _ => Vec::new(),
    };
    // Only runs against what is judged count (see `ReadinessView::on_simulator`).
    let (mut runs, other): (Vec<&Drill>, Vec<&Drill>) = all
        .into_iter()
        .partition(|d| view.on_simulator.is_none_or(|sim| d.simulated == sim));
    if !other.is_empty() {
        let _ = writeln!(
            out,
            "{} run{} against {} not counted here: {}.\n",
            other.len(),
            if other.len() == 1 { "" } else { "s" },
            if view.on_simulator == Some(true) {
                "AWS"
            } else {
                "the simulator"
            },
            other
                .iter()
                .map(|d| format!("`{}`", d.run_id))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if runs.is_empty() {
        let _ = writeln!(out, "No run of them is recorded in the audit log.\n");
        return;
    }
    runs.sort_by_key(|d| std::cmp::Reverse(d.started));
    let _ = writeln!(
        out,
        "| run id | runbook | against | started (UTC) | ended (UTC) | outcome | measured vs RTO {} | restore measured | chain head |",
        secs(w.rto_seconds)
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for d in runs {
        let (outcome, measured) = match &d.outcome {
            DrillOutcome::Finished { elapsed, .. } => (
                "finished".to_string(),
                format!(
                    "{} ({})",
                    format_duration(*elapsed),
                    if elapsed.as_secs() > w.rto_seconds {
                        "over"
                    } else {
                        "within"
                    }
                ),
            ),
            DrillOutcome::Aborted(why) => (format!("aborted: {why}"), "—".to_string()),
            DrillOutcome::Unfinished => ("not ended".to_string(), "—".to_string()),
        };
        let ended = d.ended.map_or("—".to_string(), |t| {
            format!("{} ({} ago)", ts(t), format_duration(age_between(t, now)))
        });
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | `{}`{} |",
            d.run_id,
            d.runbook,
            cell(&d.against),
            ts(d.started),
            ended,
            cell(&outcome),
            measured,
            d.measured_restore.map_or("—".to_string(), format_duration),
            d.head,
            if d.sealed { "" } else { " (not sealed)" }
        );
    }
    out.push('\n');
}
