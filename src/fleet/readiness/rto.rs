//! The RTO side: the last drill of each runbook serving the workload (from the audit log) and
//! the failover pair its DNS depends on. The DR replica's availability is judged with its lag.

use super::{Drill, DrillOutcome, Drills, Fleet, Reason, Seen, Serving, Side, aged};
use crate::fleet::{
    FailoverRole, HealthCheck, Targets, Verdict, age_between, format_age, format_duration, health,
};
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::time::Duration;

#[allow(clippy::too_many_arguments)]
pub(super) fn reasons(
    workload: &str,
    mine: &dyn Fn(&str) -> bool,
    targets: &Targets,
    drill_every: Option<Duration>,
    fleet: &Fleet<'_>,
    drills: &Drills,
    serving: &[Serving],
    now: Timestamp,
) -> Vec<Reason> {
    let mut out = drill_reasons(workload, targets, drill_every, drills, serving, now);
    out.extend(failover_pairs(mine, fleet, now));
    out
}

fn drill_reasons(
    workload: &str,
    targets: &Targets,
    drill_every: Option<Duration>,
    drills: &Drills,
    serving: &[Serving],
    now: Timestamp,
) -> Vec<Reason> {
    let runbooks: Vec<&str> = serving
        .iter()
        .filter(|s| s.workload == workload)
        .map(|s| s.runbook.as_str())
        .collect();
    if runbooks.is_empty() {
        return vec![Reason::new(
            Side::Rto,
            "runbooks",
            Verdict::Warn,
            format!(
                "no runbook serves {workload}: none names it in its front matter (`workload: {workload}`), so no recovery of it can be drilled"
            ),
            "the runbooks ripcord knows (`ripcord runbook list`)",
            None,
            now,
        )];
    }
    let (dir, runs, not_evidence) = match drills {
        Drills::NoDirectory { dir } => {
            return vec![Reason::new(
                Side::Rto,
                "drills",
                Verdict::Warn,
                format!(
                    "never drilled: there is no audit directory ({dir}), so no run of {} was ever recorded here",
                    runbooks.join(", ")
                ),
                format!("no audit directory at {dir}"),
                None,
                now,
            )];
        }
        Drills::Unlisted { dir, why } => {
            return vec![Reason::new(
                Side::Rto,
                "drills",
                Verdict::Unknown,
                format!("cannot tell when it was last drilled: {why}"),
                format!("audit directory {dir}"),
                None,
                now,
            )];
        }
        Drills::Found {
            dir,
            runs,
            not_evidence,
        } => (dir, runs, not_evidence),
    };
    let mut out = Vec::new();
    for bad in not_evidence {
        let stem = std::path::Path::new(&bad.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(runbook) = runbooks.iter().find(|r| stem.starts_with(&format!("{r}-"))) {
            out.push(Reason::new(
                Side::Rto,
                format!("drill of {runbook}"),
                Verdict::Unknown,
                format!(
                    "run file {} is not evidence: it fails `ripcord audit verify` ({})",
                    bad.file, bad.why
                ),
                format!("{dir}/{}", bad.file),
                None,
                now,
            ));
        }
    }
    // The last drill of any runbook serving the workload: the newest evidence that a recovery
    // of it was carried out, and how long that took.
    let last = runs
        .iter()
        .filter(|d| runbooks.contains(&d.runbook.as_str()) && d.outcome != DrillOutcome::Unfinished)
        .max_by_key(|d| d.ended.unwrap_or(d.started));
    out.push(match last {
        None => Reason::new(
            Side::Rto,
            "drills",
            Verdict::Warn,
            format!(
                "never drilled: no finished or aborted run of {} in the audit log",
                runbooks.join(", ")
            ),
            format!("audit directory {dir}"),
            None,
            now,
        ),
        Some(d) => last_drill(d, targets, drill_every, now),
    });
    // The last restore test: a drill that measured a restore (a backup you cannot restore is
    // not a backup), its measured time against the RTO.
    let restored = runs
        .iter()
        .filter(|d| runbooks.contains(&d.runbook.as_str()))
        .filter_map(|d| Some((d, d.measured_restore?)))
        .max_by_key(|(d, _)| d.ended.unwrap_or(d.started));
    if let Some((d, took)) = restored {
        let rto = format_duration(targets.rto);
        let at = d.ended.unwrap_or(d.started);
        let (verdict, text) = if took > targets.rto {
            (
                Verdict::Crit,
                format!(
                    "last restore test {} restored in {}, over the RTO {rto}",
                    format_age(at, now),
                    format_duration(took)
                ),
            )
        } else {
            (
                Verdict::Ok,
                format!(
                    "last restore test {} restored in {}, within the RTO {rto}",
                    format_age(at, now),
                    format_duration(took)
                ),
            )
        };
        out.push(Reason::new(
            Side::Rto,
            format!("restore test ({})", d.runbook),
            verdict,
            text,
            format!("audit run {}, chain head {}", d.run_id, d.head),
            Some(at),
            now,
        ));
    }
    out
}

/// The workload's last drill: how it ended, its measured time against the workload's RTO,
/// and its age against the drill policy.
fn last_drill(
    d: &Drill,
    targets: &Targets,
    drill_every: Option<Duration>,
    now: Timestamp,
) -> Reason {
    let ended = d.ended.unwrap_or(d.started);
    let when = format_age(ended, now);
    let rto = format_duration(targets.rto);
    let seal = if d.sealed { "sealed" } else { "not sealed" };
    let evidence = format!(
        "audit run {} against {}, ended {ended}, chain head {} ({seal})",
        d.run_id, d.against, d.head
    );
    let (verdict, mut text) = match &d.outcome {
        DrillOutcome::Aborted(why) => (
            Verdict::Crit,
            format!("last drill {when} was aborted: {why}"),
        ),
        DrillOutcome::Finished { elapsed, .. } if *elapsed > targets.rto => (
            Verdict::Crit,
            format!(
                "last drill {when} took {}, over the RTO {rto}",
                format_duration(*elapsed)
            ),
        ),
        DrillOutcome::Finished { elapsed, .. } => (
            Verdict::Ok,
            format!(
                "last drill {when} took {}, within the RTO {rto}",
                format_duration(*elapsed)
            ),
        ),
        DrillOutcome::Unfinished => (Verdict::Unknown, "the last run has not ended".into()),
    };
    let mut verdict = verdict;
    if let Some(every) = drill_every
        && age_between(ended, now) > every
    {
        verdict = verdict.max(Verdict::Warn);
        text.push_str(&format!(
            "; older than the drill policy (every {})",
            format_duration(every)
        ));
    }
    Reason::new(
        Side::Rto,
        format!("drill of {}", d.runbook),
        verdict,
        text,
        evidence,
        Some(ended),
        now,
    )
}

/// Names a health check is claimed by: its id, its name, the host it probes.
fn claimed(mine: &dyn Fn(&str) -> bool, c: &HealthCheck) -> bool {
    mine(&c.id) || mine(&c.name) || c.probed_host().is_some_and(mine)
}

/// For each failover record the workload's health checks decide, the check of its
/// SECONDARY: failing over lands there, so it must be healthy.
fn failover_pairs(mine: &dyn Fn(&str) -> bool, fleet: &Fleet<'_>, now: Timestamp) -> Vec<Reason> {
    let (checks, fetched_at, stale) = match &fleet.health {
        None => return Vec::new(),
        Some(Seen::NotRead(why)) => {
            return vec![Reason::new(
                Side::Rto,
                "DNS failover",
                Verdict::Unknown,
                format!("cannot tell: the health checks were not read ({why})"),
                "no Route 53 answer",
                None,
                now,
            )];
        }
        Some(Seen::Read {
            data,
            fetched_at,
            stale,
        }) => (*data, *fetched_at, *stale),
    };
    let records: BTreeSet<&str> = checks
        .iter()
        .filter(|c| claimed(mine, c))
        .flat_map(|c| c.guards.iter().map(|g| g.name.as_str()))
        .collect();
    let mut out = Vec::new();
    for record in records {
        let shown = record.trim_end_matches('.');
        let secondary = checks.iter().find(|c| {
            c.guards
                .iter()
                .any(|g| g.name == record && g.role == FailoverRole::Secondary)
        });
        let Some(c) = secondary else {
            let (verdict, text) = aged(
                Verdict::Warn,
                format!("{shown} has no health-checked SECONDARY record to fail over to"),
                fetched_at,
                stale,
                now,
            );
            out.push(Reason::new(
                Side::Rto,
                format!("DNS failover {shown}"),
                verdict,
                text,
                format!("Route 53 health checks read at {fetched_at}"),
                Some(fetched_at),
                now,
            ));
            continue;
        };
        let eval = health::judge(c, now);
        let text = match eval.verdict {
            Verdict::Ok => format!("secondary {} is healthy: {}", c.name, eval.reason),
            _ => format!("secondary {}: {}", c.name, eval.reason),
        };
        let (verdict, text) = aged(eval.verdict, text, fetched_at, stale, now);
        let at = c.status_at.unwrap_or(fetched_at);
        out.push(Reason::new(
            Side::Rto,
            format!("DNS failover {shown}"),
            verdict,
            text,
            format!(
                "health check {} ({}), status {} at {at}",
                c.id,
                c.target,
                c.status.word()
            ),
            Some(at),
            now,
        ));
    }
    out
}
